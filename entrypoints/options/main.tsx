import { render } from 'preact';
import { Options } from '../../components/Options';
import { applyDocumentLanguage } from '../../components/document-language';
import '../../components/detour.css';

applyDocumentLanguage();
render(<Options />, document.getElementById('app')!);
