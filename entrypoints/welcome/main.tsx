import { render } from 'preact';
import { Welcome } from '../../components/Welcome';
import { applyDocumentLanguage } from '../../components/document-language';
import '../../components/detour.css';

applyDocumentLanguage();
render(<Welcome />, document.getElementById('app')!);
