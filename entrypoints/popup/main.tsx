import { render } from 'preact';
import { Popup } from '../../components/Popup';
import { applyDocumentLanguage } from '../../components/document-language';
import '../../components/detour.css';

applyDocumentLanguage();
render(<Popup />, document.getElementById('app')!);
